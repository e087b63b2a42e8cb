// The bookstore's one product and the texts productpage shows when an upstream fails; the
// tutorials tell users to look for these exact sentences.

export interface Product {
  id: number;
  title: string;
  descriptionHtml: string;
}

export const PRODUCTS: readonly Product[] = [
  {
    id: 0,
    title: 'The Comedy of Errors',
    descriptionHtml:
      '<a href="https://en.wikipedia.org/wiki/The_Comedy_of_Errors">Wikipedia Summary</a>: ' +
      'a short, fast farce by <b>William Shakespeare</b> in which two pairs of identical twins, ' +
      'separated at birth, turn one day in Ephesus into a tangle of mistaken identities.',
  },
];

export const DETAILS_UNAVAILABLE = 'Sorry, product details are currently unavailable for this book.';
export const REVIEWS_UNAVAILABLE = 'Sorry, product reviews are currently unavailable for this book.';
export const RATINGS_UNAVAILABLE_PAGE = 'Sorry, product ratings are currently unavailable for this book.';

export function productById(id: number): Product | undefined {
  return PRODUCTS.find((p) => p.id === id);
}
