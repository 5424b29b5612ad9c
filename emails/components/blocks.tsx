import { Heading, Img, Link, Text } from '@react-email/components';
import type { CSSProperties, ReactNode } from 'react';
import { fitToColumn, type Block, type Inline } from '../../src/content/index.ts';
import { FONT_SERIF, LIGHT, type Colors } from './theme.ts';

/** Render Markdown inline nodes. Each text value is emitted as one string so placeholders stay whole. */
export function Inlines({ nodes, colors }: { nodes: readonly Inline[]; colors: Colors }): ReactNode {
  return nodes.map((node, i) => {
    switch (node.type) {
      case 'text':
        return node.value;
      case 'strong':
        return (
          <strong key={i}>
            <Inlines nodes={node.children} colors={colors} />
          </strong>
        );
      case 'emphasis':
        return (
          <em key={i}>
            <Inlines nodes={node.children} colors={colors} />
          </em>
        );
      case 'code':
        return (
          <code key={i} style={{ fontFamily: 'Menlo, Consolas, monospace', fontSize: '0.9em' }}>
            {node.value}
          </code>
        );
      case 'break':
        return <br key={i} />;
      case 'link':
        return (
          <Link key={i} href={node.url} className="nl-link" style={{ color: colors.brand, textDecoration: 'underline' }}>
            <Inlines nodes={node.children} colors={colors} />
          </Link>
        );
    }
  });
}

export const bodyText = (colors: Colors): CSSProperties => ({
  fontFamily: FONT_SERIF,
  fontSize: '17px',
  lineHeight: '1.6',
  color: colors.text,
  margin: '0 0 18px',
});

/** The content column's width in px; a story card's image column is 482. */
export const COLUMN_WIDTH = 520;

/** fitToColumn as the string attributes <Img> takes. */
export function imageSize(width: number | undefined, height: number | undefined, column: number): { width: string; height?: string } {
  const size = fitToColumn(width, height, column);
  return size.height === undefined ? { width: String(size.width) } : { width: String(size.width), height: String(size.height) };
}

/** Render Markdown blocks of a lead or section. */
export function Blocks({ blocks, colors }: { blocks: readonly Block[]; colors: Colors }): ReactNode {
  return blocks.map((block, i) => {
    switch (block.type) {
      case 'paragraph':
        return (
          <Text key={i} className="nl-text" style={bodyText(colors)}>
            <Inlines nodes={block.children} colors={colors} />
          </Text>
        );
      case 'heading':
        return (
          <Heading key={i} as="h3" className="nl-text" style={{ ...bodyText(colors), fontSize: '18px', fontWeight: 700, margin: '24px 0 8px' }}>
            <Inlines nodes={block.children} colors={colors} />
          </Heading>
        );
      case 'list': {
        const Tag = block.ordered ? 'ol' : 'ul';
        return (
          <Tag key={i} start={block.start} className="nl-text" style={{ ...bodyText(colors), paddingLeft: '24px' }}>
            {block.items.map((item, j) => (
              <li key={j} style={{ margin: '0 0 6px' }}>
                {item.map((b, k) =>
                  b.type === 'paragraph' ? <Inlines key={k} nodes={b.children} colors={colors} /> : <Blocks key={k} blocks={[b]} colors={colors} />,
                )}
              </li>
            ))}
          </Tag>
        );
      }
      case 'blockquote':
        return (
          <blockquote key={i} className="nl-quote" style={{ borderLeft: `4px solid ${colors.brand}`, padding: '2px 0 2px 18px', margin: '0 0 18px' }}>
            <Blocks blocks={block.children} colors={colors} />
          </blockquote>
        );
      case 'image':
        return (
          <Img
            key={i}
            src={block.src}
            alt={block.alt}
            {...imageSize(block.width, block.height, COLUMN_WIDTH)}
            style={{ display: 'block', width: '100%', maxWidth: '100%', height: 'auto', borderRadius: '6px', margin: '0 0 18px' }}
          />
        );
      case 'rule':
        return <hr key={i} className="nl-rule" data-skip-in-text="true" style={{ border: 'none', borderTop: `1px solid ${LIGHT.rule}`, margin: '24px 0' }} />;
    }
  });
}
