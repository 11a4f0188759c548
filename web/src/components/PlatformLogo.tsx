// Platform marks as inline SVG: no external image requests. Simplified shapes, brand colours.
import type { Platform } from '../api/types';
import { S } from '../strings';

export function PlatformLogo({ platform, size = 32 }: { platform: Platform; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" role="img" aria-label={S.platform.logoLabel(platform)}>
      {platform === 'Meta' && (
        <>
          <rect width="32" height="32" rx="7" fill="#0866ff" />
          <path
            d="M7 20.5c0-4.8 2.3-9 5.2-9 1.9 0 3.3 1.6 4.8 4.2 1.5-2.6 2.9-4.2 4.8-4.2 2.9 0 5.2 4.2 5.2 9 0 2-1 3.2-2.4 3.2-1.6 0-2.6-1.3-4.6-4.8l-3-5.2-3 5.2c-2 3.5-3 4.8-4.6 4.8C8 23.7 7 22.5 7 20.5z"
            fill="none"
            stroke="#fff"
            strokeWidth="2"
            strokeLinejoin="round"
          />
        </>
      )}
      {platform === 'Google' && (
        <>
          <rect width="32" height="32" rx="7" fill="#fff" stroke="#dadce0" />
          <path d="M13.2 6.5l5.6 3.2-7.9 13.7-5.6-3.2z" fill="#fbbc04" />
          <path d="M18.8 6.5l-5.6 3.2 7.9 13.7 5.6-3.2z" fill="#4285f4" />
          <circle cx="8.1" cy="22.5" r="3.3" fill="#34a853" />
        </>
      )}
      {platform === 'TikTok' && (
        <>
          <rect width="32" height="32" rx="7" fill="#000" />
          <path
            d="M18 7v12.3a3.7 3.7 0 1 1-3.7-3.7"
            fill="none"
            stroke="#25f4ee"
            strokeWidth="2.6"
            strokeLinecap="round"
            transform="translate(-0.8 -0.6)"
          />
          <path
            d="M18 7v12.3a3.7 3.7 0 1 1-3.7-3.7M18 7c.4 2.6 2.2 4.4 4.9 4.6"
            fill="none"
            stroke="#fe2c55"
            strokeWidth="2.6"
            strokeLinecap="round"
            transform="translate(0.8 0.6)"
          />
          <path
            d="M18 7v12.3a3.7 3.7 0 1 1-3.7-3.7M18 7c.4 2.6 2.2 4.4 4.9 4.6"
            fill="none"
            stroke="#fff"
            strokeWidth="2.2"
            strokeLinecap="round"
          />
        </>
      )}
    </svg>
  );
}
