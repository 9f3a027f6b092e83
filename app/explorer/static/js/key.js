// The write key: asked for once per tab, kept only in sessionStorage (never localStorage, a
// cookie or the URL), asked for again when the server refuses it (401, 403).

import { ApiError } from "./api.js";

const STORED = "incident-record.write-key";

export class NoKey extends Error {
  constructor() {
    super("No key given: nothing was sent.");
  }
}

function ask(why) {
  const dialog = document.getElementById("key-dialog");
  const input = document.getElementById("key-input");
  if (why) document.getElementById("key-why").textContent = why;
  input.value = "";
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => {
        const key = input.value.trim();
        input.value = "";
        resolve(dialog.returnValue === "ok" && key ? key : null);
      },
      { once: true },
    );
  });
}

// `send(key)`'s answer, with the tab's key, or one asked for (again, if the server refuses it).
export async function withWriteKey(send) {
  let key = sessionStorage.getItem(STORED) || (await ask());
  for (;;) {
    if (!key) throw new NoKey();
    sessionStorage.setItem(STORED, key);
    try {
      return await send(key);
    } catch (error) {
      if (!(error instanceof ApiError) || ![401, 403].includes(error.status)) throw error;
      sessionStorage.removeItem(STORED);
      const why = error.status === 401 ? "The server does not know that key" : "That key may not write";
      key = await ask(`${why} (${error.status}: ${error.message}). Give a key with scope write.`);
    }
  }
}
