// productpage's HTML. Plain server-side markup: the tutorials read it with a browser or with
// `curl … | grep`, so the facts they look for (title, star colour, error sentences, the reviews pod)
// appear as literal text.
import type { Product } from './catalog.ts';

export const PAGE_TITLE = 'Simple Bookstore App';
export const STYLESHEET = `body { font-family: sans-serif; margin: 0; }
.navbar { background: #222; color: #eee; padding: 8px 16px; display: flex; justify-content: space-between; }
.navbar a { color: #eee; }
.container { padding: 16px; }
.columns { display: flex; gap: 32px; }
.columns > div { flex: 1; }
blockquote { border-left: 4px solid #ddd; margin: 12px 0; padding: 4px 12px; }
.glyphicon-star, .glyphicon-star-empty { font-size: 1.2em; }
.error { color: #a00; font-style: italic; }
`;

export type Upstream<T> = { ok: true; value: T } | { ok: false; error: string };

export interface PageReview {
  reviewer: string;
  text: string;
  rating?: { stars?: number; color?: string; error?: string };
}

export interface PageData {
  product: Product;
  user: string | undefined;
  details: Upstream<Record<string, unknown>>;
  reviews: Upstream<{ podname?: string; reviews: PageReview[] }>;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function stars(rating: NonNullable<PageReview['rating']>): string {
  if (typeof rating.stars === 'number') {
    const full = Math.max(0, Math.min(5, Math.round(rating.stars)));
    const color = escapeHtml(rating.color ?? 'black');
    const spans =
      '<span class="glyphicon glyphicon-star">&#9733;</span>'.repeat(full) +
      '<span class="glyphicon glyphicon-star-empty">&#9734;</span>'.repeat(5 - full);
    return `<font color="${color}">${spans}</font>`;
  }
  if (rating.error) return `<p class="error"><i>${escapeHtml(rating.error)}</i></p>`;
  return '';
}

function detailsSection(details: PageData['details']): string {
  if (!details.ok) return `<h4 class="error">${escapeHtml(details.error)}</h4>`;
  const d = details.value;
  const rows: [string, string][] = [
    ['Author', 'author'],
    ['Year', 'year'],
    ['Type', 'type'],
    ['Pages', 'pages'],
    ['Publisher', 'publisher'],
    ['Language', 'language'],
    ['ISBN-10', 'ISBN-10'],
    ['ISBN-13', 'ISBN-13'],
  ];
  const items = rows
    .filter(([, key]) => d[key] !== undefined)
    .map(([label, key]) => `<dt>${label}:</dt><dd>${escapeHtml(String(d[key]))}</dd>`)
    .join('\n');
  return `<h4>Book Details</h4>\n<dl>\n${items}\n</dl>`;
}

function reviewsSection(reviews: PageData['reviews']): string {
  if (!reviews.ok) return `<h4 class="error">${escapeHtml(reviews.error)}</h4>`;
  const items = reviews.value.reviews
    .map(
      (r) =>
        `<blockquote>\n<p>${escapeHtml(r.text)}</p>\n<small>${escapeHtml(r.reviewer)}</small>\n` +
        (r.rating ? stars(r.rating) + '\n' : '') +
        '</blockquote>',
    )
    .join('\n');
  const pod = reviews.value.podname ?? '';
  return `<h4>Book Reviews</h4>\n${items}\n<dl><dt>Reviews served by:</dt><dd><u>${escapeHtml(pod)}</u></dd></dl>`;
}

function navbar(user: string | undefined): string {
  const session = user
    ? `<span>Signed in as <b id="user">${escapeHtml(user)}</b></span> <a href="/logout">Sign out</a>`
    : `<form method="post" action="/login"><input type="text" name="username" placeholder="User Name">` +
      `<input type="password" name="passwd" placeholder="Password"><button type="submit">Sign in</button></form>`;
  return `<div class="navbar"><a href="/">BookInfo Sample</a>${session}</div>`;
}

function layout(body: string): string {
  return `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>${PAGE_TITLE}</title>
<link rel="stylesheet" href="/static/css/style.css">
</head>
<body>
${body}
</body>
</html>
`;
}

export function renderProductPage(data: PageData): string {
  return layout(`${navbar(data.user)}
<div class="container">
<h1>${escapeHtml(data.product.title)}</h1>
<p>${data.product.descriptionHtml}</p>
<div class="columns">
<div>
${detailsSection(data.details)}
</div>
<div>
${reviewsSection(data.reviews)}
</div>
</div>
</div>`);
}

export function renderIndex(): string {
  return layout(`<div class="container">
<h1>Hello! This is a simple bookstore application consisting of three services.</h1>
<p>Services: productpage (this page), details, reviews (v1, v2, v3) and ratings.</p>
<p><a href="/productpage?u=normal">Normal user</a> | <a href="/productpage?u=test">Test user</a></p>
</div>`);
}
