# syntax=docker/dockerfile:1
# One image, two commands (docs/deploy.md):
#   API (default):  node --max-semi-space-size=1 apps/api/dist/main.js (npm run start:api)
#   worker:         node --max-old-space-size=160 apps/worker/dist/main.js (npm run start:worker)
#   migrations:     node dist/scripts/migrate.js             (npm run migrate)
# It runs the same npm steps as CI: `npm ci` (whose prepare script is `npm run build`), then
# drops the development dependencies. Nothing is compiled or generated when a container starts.

FROM node:20.19-bookworm-slim AS build
WORKDIR /app
COPY . .
# npm ci installs exactly the lock file and runs the root's prepare script: npm run build
# (the Prisma client, then TypeScript to dist/).
RUN npm ci --no-audit --no-fund
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:20.19-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and only read by the service user: a container cannot change its own code.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/apps ./apps
COPY --from=build /app/packages ./packages
COPY --from=build /app/prisma ./prisma
USER node
EXPOSE 3000 9464
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["node", "dist/scripts/healthcheck.js"]
CMD ["node", "--max-semi-space-size=1", "apps/api/dist/main.js"]
