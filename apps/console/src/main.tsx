import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ApiFailure } from "./api/client";
import { App } from "./app";
import "./styles.css";

// A 401 anywhere means the session ended (idle expiry, sign-out elsewhere): back to sign-in.
const onError = (error: Error) => {
  if (error instanceof ApiFailure && error.status === 401) queryClient.setQueryData(["session"], null);
};

const queryClient: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError }),
  mutationCache: new MutationCache({ onError }),
  defaultOptions: {
    // Refused requests are not retried (the answer will not change); unreachable ones are, by refetching.
    queries: { retry: (count, error) => !(error instanceof ApiFailure) && count < 2, staleTime: 1000 },
  },
});

createRoot(document.getElementById("root") as HTMLElement).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
