"""``newsl10n serve``: the DeepL API v2 and the LibreTranslate API over the pipeline's own
stages (segmentation, memory, enforced glossary terms, QA, confidence) and its warm models.

Nothing here is imported unless the command runs (Starlette, uvicorn, the engines)."""
