"""With no Microsoft settings, `copilot-gateway serve` answers from its built-in simulator."""

import openai


def test_demo_mode_answers_without_any_account(demo_gateway):
    base_url, log = demo_gateway
    client = openai.OpenAI(base_url=base_url, api_key="anything", max_retries=0)
    completion = client.chat.completions.create(model="copilot", messages=[{"role": "user", "content": "REPLY `hello from the demo` ONLY"}])
    assert completion.choices[0].message.content == "hello from the demo"
    streamed = "".join(
        c.choices[0].delta.content or ""
        for c in client.chat.completions.create(model="copilot", messages=[{"role": "user", "content": "REPLY `streamed demo` ONLY"}], stream=True)
    )
    assert streamed == "streamed demo"
    assert "DEMO MODE" in log.read_text()
