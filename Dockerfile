# One image for every durable-chat process; the command picks the role.
FROM node:24-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY src ./src
ENV NODE_ENV=production
EXPOSE 3000 8008
CMD ["node", "src/main/all-in-one.ts"]
