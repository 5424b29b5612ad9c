import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPreviewServer, type PreviewServer } from '../../src/preview/index.ts';
import { buildIssue, type ImageAsset } from '../../src/render/index.ts';
import { LOCAL_ISSUE, localImageProject } from '../assets/image-fixtures.ts';
import { fetchText } from './http.ts';

// Issue 17: the preview shows the issue's own images from itself (they are not uploaded yet),
// while the HTML as sent keeps their hosted URLs.

describe('newsletter preview on an issue with local images', () => {
  let server: PreviewServer;
  let assets: ImageAsset[];
  beforeAll(async () => {
    const dir = await localImageProject();
    assets = (await buildIssue({ cwd: dir, file: LOCAL_ISSUE })).assets;
    server = await startPreviewServer({ cwd: dir, contentDir: 'content', file: LOCAL_ISSUE, port: 0 });
  });
  afterAll(() => server?.close());

  const at = (path: string) => new URL(path, server.url).href;

  it('the email view loads each image from /assets/<hash>.<ext> on the preview, never from its hosted URL', async () => {
    expect(assets).toHaveLength(2);
    const email = await fetchText(at('/email.html'));
    expect(email.status).toBe(200);
    for (const asset of assets) {
      expect(email.body).toContain(`src="/${asset.name}"`);
      expect(email.body).not.toContain(asset.url);
    }
    expect(email.body).not.toMatch(/images\/(photo|shape)/);
  });

  it('GET /assets/<hash>.<ext> answers the processed bytes with their type; an unknown name is 404', async () => {
    for (const asset of assets) {
      const res = await fetch(at(`/${asset.name}`));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(asset.type);
      expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(asset.data))).toBe(true);
    }
    expect((await fetch(at('/assets/0000000000000000.png'))).status).toBe(404);
    expect((await fetch(at('/assets/..%2Fmeta.json'))).status).toBe(404);
  });

  it('/source, the HTML as sent, keeps the hosted URLs', async () => {
    const source = await fetchText(at('/source'));
    expect(source.status).toBe(200);
    for (const asset of assets) expect(source.body).toContain(asset.url);
    expect(source.body).not.toMatch(/src="\/assets\//);
  });
});
