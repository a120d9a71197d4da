/**
 * The connection to the OpenSearch cluster (the maintained client, @opensearch-project/opensearch):
 * requests go round-robin over OPENSEARCH_URL's nodes, and one that fails on the connection is retried
 * on another node, so a node that dies under load costs a retry, not an answer. Also the names of
 * things: the alias that names the live generation and the index of each generation.
 */
import { Client, errors } from '@opensearch-project/opensearch';
import type { BackendConfig } from '../../config.js';
import { IndexError } from '../store.js';

export type Engine = {
  /** One request (any node); the body of the answer. Throws EngineError with one readable line. */
  call<T = unknown>(method: string, path: string, body?: unknown, querystring?: Record<string, string | number | boolean>): Promise<T>;
  /** Newline-delimited JSON (the bulk API). */
  bulk<T = unknown>(path: string, lines: unknown[], querystring?: Record<string, string | number | boolean>): Promise<T>;
  close(): Promise<void>;
  readonly urls: string[];
};

/** An IndexError (so every tool prints it as one line and exits 1), from the engine. */
export class EngineError extends IndexError {
  constructor(
    message: string,
    /** The HTTP status the engine answered with (none: it could not be reached). */
    readonly status?: number,
  ) {
    super(message);
  }

  /** Worth asking again: not reached, or a failure on the cluster's side (a shard copy lost with its node). */
  get transient(): boolean {
    return this.status === undefined || this.status >= 500;
  }
}

/** The alias a generation is published under, and the index of a generation (index names are lower case). */
export function generationIndex(alias: string, generation: string): string {
  return `${alias}-${generation.toLowerCase()}`;
}

export function connect(backend: BackendConfig, requestTimeoutMs = 30_000): Engine {
  const client = new Client({
    nodes: backend.opensearchUrls,
    maxRetries: Math.max(2, backend.opensearchUrls.length),
    requestTimeout: requestTimeoutMs,
    // A node that failed is tried again after a quiet ping, not with a user's question.
    resurrectStrategy: 'ping',
    pingTimeout: 2000,
  });
  const where = backend.opensearchUrls.join(', ');
  const explain = (err: unknown, what: string): EngineError => {
    if (err instanceof errors.ResponseError) {
      const reason = (err.body as { error?: { reason?: string; type?: string } } | undefined)?.error;
      return new EngineError(`OpenSearch refused ${what} (${err.statusCode}: ${reason?.reason ?? reason?.type ?? 'no reason given'})`, err.statusCode);
    }
    if (err instanceof errors.ConnectionError || err instanceof errors.NoLivingConnectionsError || err instanceof errors.TimeoutError) {
      return new EngineError(`OpenSearch at ${where} is unreachable (${err.message.split('\n')[0]}); start the cluster, check OPENSEARCH_URL, or set INDEX_BACKEND=embedded`);
    }
    return new EngineError(`OpenSearch ${what} failed: ${(err as Error).message.split('\n')[0]}`);
  };
  return {
    urls: backend.opensearchUrls,
    async call<T>(method: string, path: string, body?: unknown, querystring?: Record<string, string | number | boolean>) {
      try {
        return (await client.transport.request({ method, path, ...(body === undefined ? {} : { body: body as Record<string, unknown> }), querystring })).body as T;
      } catch (err) {
        throw explain(err, `${method} ${path}`);
      }
    },
    async bulk<T>(path: string, lines: unknown[], querystring?: Record<string, string | number | boolean>) {
      try {
        return (await client.transport.request({ method: 'POST', path, bulkBody: lines as Record<string, unknown>[], querystring })).body as T;
      } catch (err) {
        throw explain(err, `POST ${path}`);
      }
    },
    close: () => client.close(),
  };
}
