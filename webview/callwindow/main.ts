import { mount } from "svelte";
import App from "./App.svelte";
import { createEngine } from "./engine";
import { engineContext } from "./engineContext";

const engine = createEngine();
mount(App, { target: document.getElementById("app")!, context: engineContext(engine) });
engine.start();
