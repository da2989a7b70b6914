import { RENDITIONS_PREFIX, THUMBNAILS_PREFIX } from '@lib/contracts';

/** The render route's path; a token is `{userKey}.{imageId}`, so a user's renders share a prefix. */
export const RENDER_PATH_PREFIX = '/v1/render/';

export function renderToken(userKey: string, imageId: string): string {
  return `${userKey}.${imageId}`;
}

/** Every CDN path that can hold a copy of one image: its thumbnail, renditions and renders. */
export function imageCdnPaths(image: { userKey: string; uploadId: string; imageId: string }): string[] {
  return [
    `/${THUMBNAILS_PREFIX}${image.userKey}/${image.uploadId}`,
    `/${RENDITIONS_PREFIX}${image.userKey}/${image.uploadId}/*`,
    `${RENDER_PATH_PREFIX}${renderToken(image.userKey, image.imageId)}*`,
  ];
}

/** Every CDN path of one user, as three wildcards (CloudFront counts each as one path). */
export function userCdnPaths(userKey: string): string[] {
  return [
    `/${THUMBNAILS_PREFIX}${userKey}/*`,
    `/${RENDITIONS_PREFIX}${userKey}/*`,
    `${RENDER_PATH_PREFIX}${userKey}.*`,
  ];
}
