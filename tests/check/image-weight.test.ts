import { describe, expect, it } from 'vitest';
import { checkImageWeight } from '../../src/check/image-weight.ts';
import type { ImageAsset } from '../../src/render/index.ts';

// Issue 17: check reports each image's bytes and the total image weight (⚠ over 1 MB, ✖ over 5 MB).

function asset(name: string, bytes: number): ImageAsset {
  return { name: `assets/${name}.jpg`, data: Buffer.alloc(0), bytes, width: 1200, height: 800, type: 'image/jpeg', source: `content/issues/images/${name}.jpg`, url: `https://news.example.com/assets/${name}.jpg` };
}

const weight = (findings: ReturnType<typeof checkImageWeight>) => findings.find((f) => f.id === 'images.weight');

describe('the issue’s image weight', () => {
  it('lists each local image with its bytes, size and source', () => {
    const findings = checkImageWeight([asset('a', 200_000), asset('b', 300_000)], new Map(), 0);
    expect(findings.filter((f) => f.id === 'images.asset').map((f) => f.message)).toEqual([
      'assets/a.jpg: 200.0 kB, 1200×800 JPEG (from content/issues/images/a.jpg)',
      'assets/b.jpg: 300.0 kB, 1200×800 JPEG (from content/issues/images/b.jpg)',
    ]);
    expect(weight(findings)).toMatchObject({ severity: 'info', message: 'images weigh 0.50 MB in all, 2 images', data: { totalBytes: 500_000 } });
  });

  it.each([
    [999_999, 'info'],
    [1_000_001, 'warning'],
    [5_000_000, 'warning'],
    [5_000_001, 'error'],
  ] as const)('%i bytes in all is %s', (bytes, severity) => {
    const found = weight(checkImageWeight([asset('a', bytes)], new Map(), 0));
    expect(found?.severity).toBe(severity);
    if (severity !== 'info') expect(found?.fix).toMatch(/smaller/);
  });

  it('counts hosted images that check --online fetched, and says which were not weighed', () => {
    const hosted = new Map([['https://cdn.example.com/photo.jpg', 900_000]]);
    const found = weight(checkImageWeight([asset('a', 200_000)], hosted, 2));
    expect(found).toMatchObject({ severity: 'warning', data: { totalBytes: 1_100_000, weighed: 2, unweighed: 1 } });
    expect(found?.message).toContain('1 hosted image not weighed: run check --online');
  });

  it('with only hosted images and no --online, says they were not weighed', () => {
    expect(weight(checkImageWeight([], new Map(), 3))?.message).toBe('3 hosted images not weighed: run check --online to fetch them');
    expect(checkImageWeight([], new Map(), 0)).toEqual([]);
  });
});
