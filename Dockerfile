# One image for the API and the workers (docker-compose.yml picks the command).
# TypeScript runs through tsx, a runtime dependency, so there is no compile step.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The web pages (/shop, /workbench, /supervisor, /marketing): Vite bundles web/ (and the demo shop's
# seed/ files) into web/dist, which api/web.ts serves. Fails the image build rather than shipping
# an image whose pages answer 503; the check catches an empty build.
RUN npm run build:web && test -f web/dist/index.html

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
# Only the built pages: api/web.ts serves /app/web/dist; the page sources are not needed at run time.
COPY --from=build /app/web/dist ./web/dist
COPY --from=build /app/scripts ./scripts
COPY --from=build /app/seed ./seed
USER node
# 3000: HTTP API and pages; 2525: inbound SMTP for customer e-mail (docker-compose.yml publishes both).
EXPOSE 3000 2525
# tsx itself rather than `npm run api`, so that SIGTERM reaches the process (npm does not pass it on).
CMD ["node_modules/.bin/tsx", "api/main.ts"]
