import { createDemoApp } from './app';

const port = Number(process.env.PORT ?? 3000);
const { app, live } = createDemoApp();
const server = app.listen(port, () => {
  console.log(`djust-lite demo on http://localhost:${port}`);
});
live.attach(server);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void live.close();
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
