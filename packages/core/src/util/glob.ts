/**
 * Hook-name globs, as the CLI's `--names` and `exportOnnx`'s `outputs` take them: `*` matches any run of
 * characters (dots included: `blocks.*.attn.hook_pattern` is every layer's pattern), `?` one character,
 * everything else itself.
 */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}
