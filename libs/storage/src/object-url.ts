import type { AwsConfig } from '@lib/config';

/** RFC 3986 escaping per path segment, as S3's canonical URI expects. */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()),
    )
    .join('/');
}

export interface ObjectLocation {
  protocol: string;
  hostname: string;
  port?: number;
  /** Already escaped. */
  path: string;
}

/** Where a bucket's object lives over HTTP: path style for emulators, virtual-hosted on AWS. */
export function objectLocation(aws: AwsConfig, bucket: string, key: string): ObjectLocation {
  if (aws.endpoint) {
    const endpoint = new URL(aws.endpoint);
    const base = endpoint.pathname.replace(/\/+$/, '');
    if (aws.forcePathStyle) {
      return {
        protocol: endpoint.protocol,
        hostname: endpoint.hostname,
        port: endpoint.port ? Number(endpoint.port) : undefined,
        path: `${base}/${bucket}/${encodeKey(key)}`,
      };
    }
    return {
      protocol: endpoint.protocol,
      hostname: `${bucket}.${endpoint.hostname}`,
      port: endpoint.port ? Number(endpoint.port) : undefined,
      path: `${base}/${encodeKey(key)}`,
    };
  }
  if (aws.forcePathStyle) {
    return { protocol: 'https:', hostname: `s3.${aws.region}.amazonaws.com`, path: `/${bucket}/${encodeKey(key)}` };
  }
  return { protocol: 'https:', hostname: `${bucket}.s3.${aws.region}.amazonaws.com`, path: `/${encodeKey(key)}` };
}

export function formatLocation(location: ObjectLocation): string {
  const port = location.port ? `:${location.port}` : '';
  return `${location.protocol}//${location.hostname}${port}${location.path}`;
}
