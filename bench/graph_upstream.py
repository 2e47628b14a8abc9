#!/usr/bin/env python3
"""Fixed Microsoft Graph Copilot bodies for the benchmark's static upstream (nginx).

Writes the three bodies to WORKDIR/bodies/ and renders bench/nginx.conf.template into a
runnable nginx.conf whose locations answer
the Graph endpoints the gateway calls, with bodies shaped as in
shared/spec/upstream-protocols.md (sections 1.3, 1.5 and 1.6):

* POST /beta/copilot/conversations                -> 201, a copilotConversation with an id
* POST /beta/copilot/conversations/{id}/chat       -> 200, a copilotConversation [echo, reply]
* POST /beta/copilot/conversations/{id}/chatOverStream -> 200 text/event-stream: one warm-up
  event, PARTIALS cumulative partial snapshots of the reply (the last one whole, with an
  AdaptiveCard and attributions), one trailing empty intermediate event and the final snapshot.
  Each event is `data: <compact JSON>\\nid:<n>\\n\\n`. The body has a Content-Length and the
  connection stays open (keep-alive), so the gateway sees the stream end at the end of the body.

Usage: graph_upstream.py render TEMPLATE OUT PORT WORKDIR
       graph_upstream.py show {create|chat|stream}
"""

import json
import os
import sys

CONVERSATION_ID = "0d110e7e-2b7e-4270-a899-fd2af6fde333"
REPLY_ID = "65781ab5-7c2e-4c6f-9a7e-3c1f4e0b2d11"
ECHO_ID = "cc211f56-1a5e-0af0-fec2-c354ce468b95"
CREATED = "2026-09-30T15:28:46.1560062Z"
PROMPT = "bench"
MESSAGE_TYPE = "#microsoft.graph.copilotConversationResponseMessage"
INTERMEDIATE = "Intermediate Conversation Update"
PARTIALS = 10

# About 400 characters of Markdown with an entity tag and a citation marker, as Copilot writes.
REPLY_TEXT = (
    "Here is a short summary of the benchmark plan:\n\n"
    "1. **Static upstream**: nginx answers the three Graph endpoints with fixed bodies.\n"
    "2. **Simulator**: the built-in Copilot simulator answers with generated text.\n"
    "3. **Direct calls**: the same requests go straight to the upstream for comparison.\n\n"
    "<Person>Ada Lovelace</Person> reviewed the numbers, which are kept in the results file [^1^]. "
    "Latency, CPU time and memory are measured in the same run."
)

SENSITIVITY_LABEL = {
    "sensitivityLabelId": None, "displayName": None, "tooltip": None,
    "priority": None, "color": None, "isEncrypted": None,
}

ATTRIBUTIONS = [
    {
        "attributionType": "annotation", "attributionSource": "model", "providerDisplayName": "",
        "seeMoreWebUrl": "https://www.office.com/search?q=Ada+Lovelace&EntityRepresentationId=3f2c",
        "imageWebUrl": "", "imageFavIcon": "", "imageWidth": 0, "imageHeight": 0,
    },
    {
        "attributionType": "citation", "attributionSource": "grounding",
        "providerDisplayName": "Benchmark results",
        "seeMoreWebUrl": "https://contoso.sharepoint.com/sites/Eng/Shared%20Documents/RESULTS.docx",
        "imageWebUrl": "", "imageFavIcon": "", "imageWidth": 0, "imageHeight": 0,
    },
]

CHAT_CONTEXT = "https://graph.microsoft.com/beta/$metadata#microsoft.graph.copilotConversation"
CREATE_CONTEXT = "https://graph.microsoft.com/beta/$metadata#copilot/conversations/$entity"
STREAM_CONTEXT = (
    "https://graph.microsoft.com/beta/copilot/conversations('" + CONVERSATION_ID + "')"
    "/microsoft.graph.copilot.chatOverStream/$metadata#Edm.Stream/$entity"
)


def conversation(context, display_name, turn_count, messages=None):
    body = {
        "@odata.context": context, "id": CONVERSATION_ID, "agentId": None,
        "createdDateTime": CREATED, "displayName": display_name, "state": "active",
        "turnCount": turn_count,
    }
    if messages is not None:
        body["messages"] = messages
    return body


def message(message_id, text, cards, attributions):
    return {
        "@odata.type": MESSAGE_TYPE, "id": message_id, "text": text, "createdDateTime": CREATED,
        "adaptiveCards": cards, "attributions": attributions, "sensitivityLabel": SENSITIVITY_LABEL,
    }


def compact(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def create_body():
    return compact(conversation(CREATE_CONTEXT, "", 0))


def final_snapshot(context, cards):
    return conversation(context, PROMPT, 1, [
        message(ECHO_ID, PROMPT, [], []),
        message(REPLY_ID, REPLY_TEXT, cards, ATTRIBUTIONS),
    ])


def chat_body():
    return compact(final_snapshot(CHAT_CONTEXT, [{}]))


def stream_body():
    card = {"type": "AdaptiveCard", "version": "1.0",
            "body": [{"type": "TextBlock", "text": REPLY_TEXT, "wrap": True}]}
    events = [conversation(STREAM_CONTEXT, INTERMEDIATE, 0, [])]
    for index in range(1, PARTIALS + 1):
        cut = len(REPLY_TEXT) * index // PARTIALS
        whole = index == PARTIALS
        events.append(conversation(STREAM_CONTEXT, INTERMEDIATE, 0, [
            message(REPLY_ID, REPLY_TEXT[:cut], [card] if whole else [], ATTRIBUTIONS if whole else []),
        ]))
    events.append(conversation(STREAM_CONTEXT, INTERMEDIATE, 0, []))
    events.append(final_snapshot(STREAM_CONTEXT, [card]))
    return "".join("data: %s\nid:%d\n\n" % (compact(event), number) for number, event in enumerate(events, 1))


def main(argv):
    if len(argv) == 6 and argv[1] == "render":
        template, out, port, workdir = argv[2:]
        os.makedirs(os.path.join(workdir, "bodies"), exist_ok=True)
        for name, body in (("create.json", create_body()), ("chat.json", chat_body()), ("stream.sse", stream_body())):
            with open(os.path.join(workdir, "bodies", name), "w", encoding="utf-8") as handle:
                handle.write(body)
        with open(template, encoding="utf-8") as handle:
            conf = handle.read()
        conf = conf.replace("@PORT@", port).replace("@WORKDIR@", workdir)
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(conf)
        return 0
    if len(argv) == 3 and argv[1] == "show":
        sys.stdout.write({"create": create_body, "chat": chat_body, "stream": stream_body}[argv[2]]())
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
