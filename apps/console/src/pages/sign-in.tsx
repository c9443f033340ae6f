import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { SessionAnswer } from "@modelhooks/contracts";
import { api } from "../api/client";
import { ErrorNote, FieldError, submitWith } from "../components/common";
import { ServerDownBanner } from "../components/layout";

export function SignInPage() {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [key, setKey] = useState("");
  const signIn = useMutation({
    mutationFn: () => api<SessionAnswer>("POST", "/api/v1/auth/session", { email, developer_key: key }),
    onSuccess: (answer) => queryClient.setQueryData(["session"], answer.user),
  });
  return (
    <>
      <ServerDownBanner />
      <main className="narrow">
        <h1>Sign in to modelhooks</h1>
        <form onSubmit={submitWith(() => signIn.mutate())} className="card">
          <label htmlFor="email">Email</label>
          <input id="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
          <FieldError error={signIn.error} path="email" id="email-error" />
          <label htmlFor="developer-key">Developer key</label>
          <input
            id="developer-key"
            type="password"
            autoComplete="current-password"
            required
            value={key}
            onChange={(e) => setKey(e.target.value)}
          />
          <FieldError error={signIn.error} path="developer_key" id="key-error" />
          <button type="submit" disabled={signIn.isPending}>
            {signIn.isPending ? "Signing in…" : "Sign in"}
          </button>
          <ErrorNote error={signIn.error} />
        </form>
      </main>
    </>
  );
}
