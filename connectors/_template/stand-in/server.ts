/** A local server speaking the provider's real wire protocol, serving an estate. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function startTemplateStandIn(
  clock: Date,
): Promise<{ url: string; close(): Promise<void> }> {
  const day = 86_400_000;
  const accounts = [
    {
      id: 'sa-1',
      name: 'ci-bot',
      keys: [
        { id: 'k1', created: new Date(clock.getTime() - 200 * day).toISOString(), lastUsed: null },
      ],
    },
  ];
  const server = createServer((req, res) => {
    const body = req.url === '/scopes' ? [{ id: 'demo', name: 'Demo' }] : accounts;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
