import { MISSING_FIXTURE_MESSAGE } from "./fixtures.js";

export function FixtureMissing({ message = MISSING_FIXTURE_MESSAGE }: { message?: string }) {
  return (
    <p
      role="note"
      style={{ fontFamily: "system-ui, sans-serif", padding: 12, border: "1px dashed #999", borderRadius: 6 }}
    >
      {message}
    </p>
  );
}
