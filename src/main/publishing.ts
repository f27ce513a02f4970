/**
 * Publishing to Scope apps as one replaceable unit: the publisher and the apps' control websockets
 * it announces. A config reload that changes `publish.*` closes one and starts another
 * (service.ts); without apps there is none.
 */
import type { Logger } from 'pino';
import { appClickHandler } from './app-control/app-click.js';
import { AppControls } from './app-control/app-controls.js';
import type { HostConfig } from './config/schema.js';
import type { HostCore } from './core/host-core.js';
import { Publisher } from './publish/publisher.js';
import { VERSION } from './version.js';

export interface Publishing {
  readonly publisher: Publisher;
  readonly appControls: AppControls;
  close(): Promise<void>;
}

export function newPublishing(config: HostConfig, core: HostCore, logger: Logger): Publishing | null {
  if (config.publish.apps.length === 0) return null;
  const appControls = new AppControls({
    handle: appClickHandler({ probeId: config.probeId, besideProbe: config.publish.besideProbe, relayTimeoutMs: config.publish.timeoutMs }, (request) =>
      core.control(request),
    ),
    logger,
    identityTimeoutMs: config.publish.timeoutMs,
  });
  const publisher = new Publisher({
    apps: config.publish.apps,
    intervalMs: config.publish.intervalMs,
    probeId: config.probeId,
    version: VERSION,
    token: config.publish.token,
    timeoutMs: config.publish.timeoutMs,
    queueSize: config.publish.queueSize,
    logger,
    buildReport: async () => {
      const gzipped = await core.publication();
      return gzipped === null ? null : { gzipped, shortcut: false };
    },
    onApp: (app) => appControls.attach(app),
  });
  return {
    publisher,
    appControls,
    async close() {
      appControls.close();
      await publisher.close();
    },
  };
}
