// `NEXT_OUTPUT=export next build` writes a static site to out/ for `npm start`, which serves it
// at /next/ beside the other examples (scripts/buildNextExample.mjs, scripts/devServer.mjs).
// A plain `next build` + `next start` is the usual Node server (the package check runs that).
const exported = process.env.NEXT_OUTPUT === 'export'

/** @type {import('next').NextConfig} */
const nextConfig = exported ? { output: 'export', basePath: '/next', trailingSlash: true } : {}

export default nextConfig
