'use client'
import { usePathname } from 'next/navigation'
import { usePageView } from '@trackpoint/react'

/**
 * One `page_view` per route: on the first load and on every client-side navigation (the layout
 * stays mounted, so it is the path that changes). Renders nothing.
 */
export function PageViews() {
  usePageView(usePathname())
  return null
}
