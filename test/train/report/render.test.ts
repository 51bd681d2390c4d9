import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curvesSpec, renderCurves, renderPng, renderSvg } from '../../../src/train/report/plot.js';
import { RESULTS, TRANSITIONS } from './fixture.js';

const size = (svg: string) => {
  const m = /^<svg[^>]*\swidth="(\d+(?:\.\d+)?)"[^>]*\sheight="(\d+(?:\.\d+)?)"/.exec(svg);
  assert.ok(m, 'the svg element has a width and a height');
  return { width: Number(m[1]), height: Number(m[2]) };
};

test('renderSvg: an SVG document naming every method, the axis titles and the transition', async () => {
  const svg = await renderSvg(curvesSpec(RESULTS, TRANSITIONS));
  assert.match(svg, /^<svg /);
  assert.match(svg, /<\/svg>$/);
  for (const text of ['full', 'scheduled', 'method', 'epoch', 'train loss', 'eval loss', 'train accuracy', 'eval accuracy', 'thaw body']) {
    assert.ok(svg.includes(`>${text}</text>`), `svg has the text ${text}`);
  }
  const { width, height } = size(svg);
  assert.ok(width > 560 && height > 360, `four panels of 280 × 180 fit: ${width} × ${height}`);
});

test('renderPng: PNG signature and the SVG size times the scale', async () => {
  const svg = await renderSvg(curvesSpec(RESULTS, TRANSITIONS, { width: 200, height: 120 }));
  const { width, height } = size(svg);
  for (const scale of [1, 2]) {
    const png = await renderPng(svg, scale);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const ihdr = new DataView(png.buffer, png.byteOffset + 16, 8);
    assert.equal(ihdr.getUint32(0), Math.ceil(width * scale));
    assert.equal(ihdr.getUint32(4), Math.ceil(height * scale));
  }
});

test('renderCurves: spec, svg and png together; png: false skips the raster', async () => {
  const all = await renderCurves(RESULTS, TRANSITIONS);
  assert.equal(all.pngError, undefined);
  assert.ok(all.png && all.png.length > 1000);
  assert.ok(all.svg.includes('thaw body'));
  const svgOnly = await renderCurves(RESULTS, TRANSITIONS, { png: false });
  assert.equal(svgOnly.png, undefined);
  assert.equal(svgOnly.svg, all.svg);
});
