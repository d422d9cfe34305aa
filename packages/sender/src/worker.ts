/**
 * The Sender worker's entry point. The application thread starts this file in a Worker and
 * hands it two ports in workerData: `port`, on which the Sender's control interface is exposed
 * with comlink, and `eventsPort`, on which the Sender pushes metadata changes and fatal errors
 * as plain messages.
 */
import { workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import type { AppEventMessage, AppEvents } from '@tandem/shared-memory';
import { Sender } from './sender.js';

const { port, eventsPort } = workerData as { port: MessagePort; eventsPort: MessagePort };

const events: AppEvents = {
  topicChanged(view) {
    eventsPort.postMessage({ type: 'topicChanged', view } satisfies AppEventMessage);
  },
  fatal(message) {
    eventsPort.postMessage({ type: 'fatal', message } satisfies AppEventMessage);
  },
  oauthTokenNeeded(requestId) {
    eventsPort.postMessage({ type: 'oauthTokenNeeded', requestId } satisfies AppEventMessage);
  },
};

Comlink.expose(new Sender(events), port as unknown as Comlink.Endpoint);
