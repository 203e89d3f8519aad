# One image for every durable-chat process; the command picks the role.
FROM node:24-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY web ./web
COPY src ./src
# npm ci runs the `prepare` script, which builds the web app into web/dist.
RUN npm ci --omit=dev
ENV NODE_ENV=production
EXPOSE 3000 8008
CMD ["node", "src/main/all-in-one.ts"]
