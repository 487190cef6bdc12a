# One image for the API and the workers (docker-compose.yml picks the command).
# TypeScript runs through tsx, a runtime dependency, so there is no compile step.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# web/dist is a git-ignored build output: built here when package.json has a "build" script.
RUN npm run build --if-present && mkdir -p web/dist

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY --from=build /app/workflows ./workflows
COPY --from=build /app/activities ./activities
COPY --from=build /app/workers ./workers
COPY --from=build /app/api ./api
COPY --from=build /app/domain ./domain
COPY --from=build /app/web/dist ./web/dist
COPY --from=build /app/scripts ./scripts
COPY --from=build /app/seed ./seed
USER node
EXPOSE 3000
# tsx itself rather than `npm run api`, so that SIGTERM reaches the process (npm does not pass it on).
CMD ["node_modules/.bin/tsx", "api/main.ts"]
