import { createApp } from 'vue'
import { createPinia } from 'pinia'
import '@xterm/xterm/css/xterm.css'
import './styles.css'
import App from './App.vue'
import { useLabStore } from './stores/lab'

const pinia = createPinia()
const app = createApp(App)
app.use(pinia)
app.mount('#app')

// Test/automation hook (read-only): console text and counters for browser e2e specs.
const store = useLabStore(pinia)
window.__lab = {
  consoleText: (side) => store.consoleText(side),
  consoleCounts: (side) => ({ received: store.received[side], written: store.written[side] }),
  snapshot: () => (store.snapshot ? JSON.parse(JSON.stringify(store.snapshot)) : null)
}

