// The demo worker's entry: a SharedWorker (every tab of the app shares one demo) or, where the
// browser has none, a dedicated Worker of one tab. Tabs that connect while the wasm still loads
// are kept here for it, since a `connect` event nobody listens to is lost.
self.rapportEarlyPorts = [];
self.onconnect = (event) => self.rapportEarlyPorts.push(event.ports[0]);
importScripts('./rapport-demo.js');
wasm_bindgen('./rapport-demo_bg.wasm');
