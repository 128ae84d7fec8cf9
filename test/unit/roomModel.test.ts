// Room requests checked before they reach Janus, and Janus's answers in words a person needs.
import assert from "node:assert/strict";
import { JanusError } from "../../src/rooms/janusConnection";
import { checkNewRoom, roomError } from "../../src/rooms/roomModel";

describe("checkNewRoom", () => {
  it("accepts a subject up to 128 characters and an optional 6-digit PIN", () => {
    checkNewRoom({ subject: "Standup", secret: "x" });
    checkNewRoom({ subject: "a".repeat(128), pin: "012345", secret: "x" });
  });

  it("refuses an empty or too long subject, a PIN that is not 6 digits, and no secret", () => {
    assert.throws(() => checkNewRoom({ subject: "  ", secret: "x" }), /needs a subject/);
    assert.throws(() => checkNewRoom({ subject: "a".repeat(129), secret: "x" }), /129 characters; at most 128/);
    for (const pin of ["12345", "1234567", "12a456", " 123456"]) assert.throws(() => checkNewRoom({ subject: "s", pin, secret: "x" }), /PIN must be 6 digits/, pin);
    assert.throws(() => checkNewRoom({ subject: "s", secret: "" }), /needs a secret/);
  });
});

describe("roomError", () => {
  it("says what Janus's VideoRoom codes mean", () => {
    assert.equal(roomError(new JanusError("Unauthorized (wrong pin)", 433), 7).message, "wrong PIN for room 7");
    assert.equal(roomError(new JanusError("Unauthorized (wrong secret)", 433), 7).message, "wrong secret for room 7");
    assert.equal(roomError(new JanusError("No such room (7)", 426), 7).message, "room 7 does not exist (any more)");
    assert.equal(roomError(new JanusError("Missing mandatory element (pin)", 429), 7).message, "room 7 needs a PIN");
    assert.equal(roomError(new JanusError("Maximum number of publishers (9) reached", 432)).message, "the room is full");
    assert.equal(roomError(new JanusError("Something else", 499)).message, "the rooms server refused: Something else (499)");
  });

  it("passes other errors through", () => {
    const e = new Error("socket hang up");
    assert.equal(roomError(e), e);
  });
});
