// Istio's Bookinfo, reimplemented: productpage → details, reviews (v1/v2/v3) → ratings.
export { DETAILS_UNAVAILABLE, PRODUCTS, RATINGS_UNAVAILABLE_PAGE, REVIEWS_UNAVAILABLE } from './catalog.ts';
export { bookDetails, detailsHandler, runDetails } from './details.ts';
export { PAGE_TITLE } from './page.ts';
export { productpageHandler, runProductpage, upstreamHeaders } from './productpage.ts';
export { ratingsBody, ratingsHandler, runRatings } from './ratings.ts';
export { RATINGS_UNAVAILABLE, reviewsHandler, runReviews } from './reviews.ts';
export { loginCookie, sessionUser } from './session.ts';
