import { createRoot } from 'react-dom/client';
import { Chat } from './Chat';
import './style.css';

// The API's AI SDK route: `?api=` wins (handy against a deployed stack), then the build's VITE_CHAT_API, then the
// local runner's default address.
const api =
  new URLSearchParams(window.location.search).get('api') ??
  import.meta.env.VITE_CHAT_API ??
  'http://127.0.0.1:3000/chat';

createRoot(document.getElementById('root')!).render(<Chat api={api} />);
