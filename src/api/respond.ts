/** Writes a value as JSON, or as YAML when the client asks for it (Accept: application/yaml). */
import type { Request, Response } from 'express';
import { stringify } from 'yaml';

export function send(req: Request, res: Response, status: number, value: unknown): void {
  const accept = (req.headers.accept ?? '').toLowerCase();
  if (accept.includes('yaml')) {
    res.status(status).type('application/yaml').send(stringify(value));
    return;
  }
  res.status(status).json(value);
}
