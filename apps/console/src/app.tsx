import { Empty, ErrorNote, Loading } from "./components/common";
import { Layout, ServerDownBanner } from "./components/layout";
import { AdminPage } from "./pages/admin";
import { CallPage, DeliveriesPage } from "./pages/deliveries";
import { ModelPage, ModelsPage, VersionPage } from "./pages/models";
import { NotificationsPage } from "./pages/notifications";
import { SignInPage } from "./pages/sign-in";
import { NewWebhookPage, WebhookPage, WebhooksPage } from "./pages/webhooks";
import { match, Redirect, useLocation } from "./router";
import { SessionProvider, useSession } from "./session";

function Page({ path }: { path: string }) {
  let params;
  if ((params = match("/w/:ws/webhooks", path))) return <WebhooksPage workspaceId={Number(params.ws)} />;
  if ((params = match("/w/:ws/webhooks/new", path))) return <NewWebhookPage workspaceId={Number(params.ws)} />;
  if ((params = match("/w/:ws/webhooks/:id", path))) return <WebhookPage workspaceId={Number(params.ws)} webhookId={Number(params.id)} />;
  if ((params = match("/w/:ws/deliveries", path))) return <DeliveriesPage workspaceId={Number(params.ws)} />;
  if ((params = match("/w/:ws/deliveries/:id", path))) return <CallPage workspaceId={Number(params.ws)} callId={Number(params.id)} />;
  if ((params = match("/w/:ws/models", path))) return <ModelsPage workspaceId={Number(params.ws)} />;
  if ((params = match("/w/:ws/models/:id", path))) return <ModelPage workspaceId={Number(params.ws)} modelId={Number(params.id)} />;
  if ((params = match("/versions/:id", path))) return <VersionPage versionId={Number(params.id)} />;
  if (match("/notifications", path)) return <NotificationsPage />;
  if (match("/admin", path)) return <AdminPage />;
  return <Empty>No page at {path}. Use the menu above.</Empty>;
}

export function App() {
  const { path } = useLocation();
  const session = useSession();
  if (session.isPending) return <Loading what="the console" />;
  if (session.error)
    return (
      <>
        <ServerDownBanner />
        <main className="narrow">
          <ErrorNote error={session.error} />
          <button type="button" onClick={() => void session.refetch()}>
            Try again
          </button>
        </main>
      </>
    );
  const user = session.data;
  if (!user) return path === "/sign-in" ? <SignInPage /> : <Redirect to="/sign-in" />;
  if (path === "/" || path === "/sign-in") {
    const first = user.workspaces[0];
    return <Redirect to={first ? `/w/${first.workspace_id}/webhooks` : user.system_admin ? "/admin" : "/notifications"} />;
  }
  const ws = match("/w/:ws/*", path.split("/").slice(0, 3).join("/") + "/*");
  return (
    <SessionProvider value={user}>
      <Layout workspaceId={ws ? Number(ws.ws) : undefined}>
        <Page path={path} />
      </Layout>
    </SessionProvider>
  );
}
