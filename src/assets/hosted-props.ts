import type { Block, ImageSlot, NewsletterProps } from '../content/index.ts';
import { COLUMN } from './recipe.ts';
import type { ImageAsset } from './types.ts';

/** The asset of a local image, by its src as the props hold it and the slot it is shown in. */
export type AssetLookup = (src: string, slot: ImageSlot) => ImageAsset | undefined;

/**
 * The size to show an image at: the author's width if given, never wider than its column or
 * than the processed file; the height follows the file's proportions.
 */
export function shownSize(asset: ImageAsset, column: number, authorWidth?: number): { width: number; height: number } {
  const width = Math.min(authorWidth ?? Infinity, column, asset.width);
  return { width, height: Math.max(1, Math.round((width * asset.height) / asset.width)) };
}

function hostBlocks(blocks: readonly Block[], lookup: AssetLookup): Block[] {
  return blocks.map((block): Block => {
    if (block.type === 'list') return { ...block, items: block.items.map((item) => hostBlocks(item, lookup)) };
    if (block.type === 'blockquote') return { ...block, children: hostBlocks(block.children, lookup) };
    if (block.type !== 'image') return block;
    const asset = lookup(block.src, 'full');
    return asset ? { ...block, src: asset.url, ...shownSize(asset, COLUMN.full) } : block;
  });
}

function hostImage<T extends { src: string; width?: number; height?: number }>(image: T, slot: ImageSlot, lookup: AssetLookup): T {
  const asset = lookup(image.src, slot);
  return asset ? { ...image, src: asset.url, ...shownSize(asset, COLUMN[slot], image.width) } : image;
}

/** The props with every local image's relative src replaced by its hosted URL, and its size set from the processed file. */
export function withHostedImages(props: NewsletterProps, lookup: AssetLookup): NewsletterProps {
  const { issue } = props;
  return {
    ...props,
    issue: {
      ...issue,
      ...(issue.hero ? { hero: hostImage(issue.hero, 'full', lookup) } : {}),
      lead: hostBlocks(issue.lead, lookup),
      sections: issue.sections.map((section) => ({ ...section, blocks: hostBlocks(section.blocks, lookup) })),
      ...(issue.stories ? { stories: issue.stories.map((story) => (story.image ? { ...story, image: hostImage(story.image, 'story', lookup) } : story)) } : {}),
    },
  };
}
