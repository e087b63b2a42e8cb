// Bookinfo's details service: the book's bibliographic facts, the same for every id.
import type { Server } from 'node:http';
import { type Env, type Handler, requestPath, sendJson, serveHttp } from '../common/index.ts';

export interface BookDetails {
  id: number;
  author: string;
  year: number;
  type: string;
  pages: number;
  publisher: string;
  language: string;
  'ISBN-10': string;
  'ISBN-13': string;
}

export function bookDetails(id: number): BookDetails {
  return {
    id,
    author: 'William Shakespeare',
    year: 1595,
    type: 'paperback',
    pages: 200,
    publisher: 'PublisherA',
    language: 'English',
    'ISBN-10': '1234567890',
    'ISBN-13': '123-1234567890',
  };
}

export const detailsHandler: Handler = (req, res) => {
  const { pathname } = requestPath(req);
  if (pathname === '/health') return sendJson(res, 200, { status: 'Details is healthy' });
  const m = /^\/details\/([^/]*)$/.exec(pathname);
  if (m && (req.method === 'GET' || req.method === 'HEAD')) {
    if (!/^-?\d+$/.test(m[1]!)) return sendJson(res, 400, { error: 'please provide numeric product ID' });
    return sendJson(res, 200, bookDetails(Number(m[1])));
  }
  sendJson(res, 404, { error: 'unsupported URL' });
};

export function runDetails(_args: string[], env: Env): Promise<Server> {
  return serveHttp('details', detailsHandler, env, 9080);
}
