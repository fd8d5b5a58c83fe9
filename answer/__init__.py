"""Answering: retrieve → shield → prompt → generate → verify → decide, without HTTP.

`answer.service.AnswerService` is the pipeline; `answer.services.build_services` composes it
(and the ingestion pipeline it shares the embedder with) from the settings.
"""
