import { z } from "zod";

/** The console's sign-in form: the same email and developer key the header credentials carry. */
export const signInBody = z.strictObject({
  email: z.string().trim().min(1).max(320),
  developer_key: z.string().min(1).max(512),
});

export const signedInUserSchema = z.object({
  user_id: z.number().int(),
  email: z.string(),
  system_admin: z.boolean(),
  workspaces: z.array(z.object({ workspace_id: z.number().int(), name: z.string() })),
});

export const sessionAnswer = z.object({ user: signedInUserSchema });

export type SignInBody = z.infer<typeof signInBody>;
export type SignedInUser = z.infer<typeof signedInUserSchema>;
export type SessionAnswer = z.infer<typeof sessionAnswer>;

/** Sent by the console with every request; a cross-site form cannot set it (docs/security.md). */
export const CSRF_HEADER = "x-modelhooks-csrf";
