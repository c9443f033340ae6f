import { describe, expect, it } from "@jest/globals";
import { clientAddressKey } from "../../packages/identity/src/sign-in-throttle.js";

describe("clientAddressKey (what failed sign-ins are counted under)", () => {
  it.each([
    ["127.0.0.2", "127.0.0.2"],
    ["::ffff:127.0.0.2", "127.0.0.2"], // a dual-stack socket reports IPv4 clients this way
    ["203.0.113.7", "203.0.113.7"],
    // One host commonly holds a whole /64: counting single addresses would give it 2^64 fresh starts.
    ["2001:db8:1:2::1", "2001:db8:1:2::/64"],
    ["2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"],
    ["::1", "::/64"],
    [undefined, "unknown"],
    ["", "unknown"],
  ])("%p → %p", (address, key) => {
    expect(clientAddressKey(address)).toBe(key);
  });

  it("keeps different /64s apart", () => {
    expect(clientAddressKey("2001:db8:1:2::1")).not.toBe(clientAddressKey("2001:db8:1:3::1"));
  });
});
