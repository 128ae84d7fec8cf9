import { mount } from "svelte";
import App from "./App.svelte";
import { startEngine } from "./engine";

mount(App, { target: document.getElementById("app")! });
startEngine();
