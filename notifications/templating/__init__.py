"""The email renderer: a tiny merge-field language for firm-edited text, kept apart from the
Django template engine so firm text can reach only allow-listed plain values.

One email, in order: selectors.proposal_facts copies a proposal into `context.Facts`;
`context.merge_context` turns them into merge values (`values`); `merge.merge_render` fills
the firm's template (or `defaults`) naming only `fields`; `rendering.email_render` wraps the
result in the layout, with the HTML passed through the `sanitize` allowlist. `samples` are
invented facts for previews and test sends."""
