import cluster from 'node:cluster';
import { createDemoApp } from './app';
import { runPrimary, workersFlag } from './cluster';

const port = Number(process.env.PORT ?? 3000);
const workers = workersFlag(process.argv.slice(2));

async function startServer(): Promise<void> {
  // Several processes share broadcasts and SSE sessions through Redis (docs/scaling.md).
  let pubsub;
  if (workers !== null || process.env.REDIS_URL) {
    const { redisPubSub } = await import('../lib/redis');
    pubsub = redisPubSub({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
    await pubsub.ready;
  }
  const { app, live } = createDemoApp(pubsub ? { pubsub } : {});
  const server = app.listen(port, () => {
    console.log(`djust-lite demo on http://localhost:${port}${cluster.isWorker ? ` (worker ${process.pid})` : ''}`);
  });
  live.attach(server);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void live.close();
      server.close(() => process.exit(0));
      server.closeAllConnections();
    });
  }
}

if (workers !== null && cluster.isPrimary) runPrimary(workers);
else {
  startServer().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
