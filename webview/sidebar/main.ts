import { mount } from "svelte";
import App from "./App.svelte";
import { start } from "./hostLink";

mount(App, { target: document.getElementById("app")! });
void start();
