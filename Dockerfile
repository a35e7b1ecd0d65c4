# lifeboat control plane image. (This machine kind has no Docker engine; the image
# is for users who run one. CI checks that docker-compose.yml matches the CLI.)
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY config ./config
USER node
ENTRYPOINT ["node", "bin/lifeboat.js"]
CMD ["serve", "--host", "0.0.0.0"]
