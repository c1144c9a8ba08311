// @vitest-environment node
// createSSRApp + renderToString: the directives render nothing on the server (getSSRProps) and
// the tracker the plugin creates from options is core's inert one in Node.
import { createSSRApp } from 'vue'
import { renderToString } from 'vue/server-renderer'
import { describe, expect, it } from 'vitest'
import { createTrackpoint, useTrack } from '../index'

describe('server rendering', () => {
  it('renders v-impression, v-track and useTrack to a string in Node', async () => {
    expect(typeof window).toBe('undefined')
    const app = createSSRApp({
      setup() {
        const { track } = useTrack()
        track('page_view', { page_name: 'onchain_landing' })
        return { offer: { delivery_id: 'd_1', content_type: 'action' } }
      },
      template: `<main>
        <button v-track:click="['navbar_click', { target: 'home' }]">Home</button>
        <article v-impression="offer">Recommended</article>
      </main>`,
    })
    app.use(createTrackpoint({ endpoint: 'https://collect.example.com', appId: 'onchain_app' }))
    const html = await renderToString(app)
    expect(html).toBe('<main><button>Home</button><article>Recommended</article></main>')
  })
})
