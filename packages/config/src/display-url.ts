/** A connection URL fit for a log line: the password, if any, replaced by `***`. */
export function displayUrl(url: string): string {
  return url.replace(/^([\w+.-]+:\/\/)([^:@/]*):[^@/]*@/, "$1$2:***@");
}
