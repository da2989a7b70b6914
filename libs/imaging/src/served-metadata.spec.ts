import { makeImageWithMetadata, metadataBlocksOf, MetadataFormat } from '@lib/testing';
import { renderRenditions, renderResized, RENDER_FORMATS } from './resize.renderer';
import { renderThumbnail } from './thumbnail.renderer';

const INPUTS: MetadataFormat[] = ['jpeg', 'png', 'webp', 'avif'];
const LIMITS = { maxPixels: 10_000_000 };

/** Parses the output bytes themselves, container by container, rather than trusting sharp's metadata(). */
describe('nothing served carries EXIF, XMP, IPTC or text chunks (real sharp, parsed bytes)', () => {
  const inputs = new Map<MetadataFormat, Buffer>();
  beforeAll(async () => {
    for (const format of INPUTS) inputs.set(format, await makeImageWithMetadata(format, 400, 300));
  });

  it.each(INPUTS)('starts from a %s that really carries them', (format) => {
    const expected: Record<MetadataFormat, string[]> = {
      jpeg: ['jpeg:APP1/Exif', 'jpeg:APP1/XMP', 'jpeg:APP13/IPTC'],
      png: ['png:eXIf', 'png:tEXt', 'png:zTXt'],
      webp: ['webp:EXIF', 'webp:XMP'],
      avif: ['bmff:Exif', 'bmff:mime/XMP'],
    };
    expect(metadataBlocksOf(inputs.get(format)!)).toEqual(expect.arrayContaining(expected[format]));
  });

  it.each(INPUTS)('thumbnail of a %s: none', async (format) => {
    const thumbnail = await renderThumbnail(inputs.get(format)!, { maxSide: 128, ...LIMITS });
    expect(metadataBlocksOf(thumbnail.body)).toEqual([]);
  });

  it.each(INPUTS)('renditions of a %s: none', async (format) => {
    const made = await renderRenditions(inputs.get(format)!, [{ name: 'card', maxSide: 200 }], LIMITS);
    expect(metadataBlocksOf(made.get('card')!.body)).toEqual([]);
  });

  it.each(INPUTS.flatMap((input) => RENDER_FORMATS.map((output) => [input, output] as const)))(
    'render of a %s as %s: none',
    async (input, output) => {
      const rendered = await renderResized(
        inputs.get(input)!,
        { width: 120, fit: 'inside', format: output, quality: 60 },
        LIMITS,
      );
      expect(metadataBlocksOf(rendered.body)).toEqual([]);
    },
  );
});
