import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useContext } from "react";
import type { SessionAnswer, SignedInUser } from "@modelhooks/contracts";
import { api, ApiFailure } from "./api/client";
import { navigate } from "./router";

const SessionContext = createContext<SignedInUser | null>(null);
export const SessionProvider = SessionContext.Provider;

/** The signed-in user: every page below the sign-in gate has one. */
export function useUser(): SignedInUser {
  const user = useContext(SessionContext);
  if (!user) throw new Error("useUser outside the signed-in part of the console");
  return user;
}

/** Who is signed in; null when no one (401), so the sign-in page shows. */
export function useSession() {
  return useQuery({
    queryKey: ["session"],
    queryFn: async () => {
      try {
        return (await api<SessionAnswer>("GET", "/api/v1/auth/session")).user;
      } catch (error) {
        if (error instanceof ApiFailure && error.status === 401) return null;
        throw error;
      }
    },
    retry: false,
  });
}

export function useSignOut() {
  const queryClient = useQueryClient();
  return async () => {
    await api("DELETE", "/api/v1/auth/session");
    queryClient.setQueryData(["session"], null);
    queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== "session" });
    navigate("/sign-in", { replace: true });
  };
}
