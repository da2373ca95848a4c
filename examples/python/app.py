#!/usr/bin/env python3
"""basic, in Python: the one-line streaming API with secure defaults, through the jsii binding.

    pip install aws-cdk-lib constructs cdk-streaming-bedrock-api
    npx cdk synth        # cdk.json runs python3 app.py; then npx cdk deploy
"""
import aws_cdk as cdk
from cdk_streaming_bedrock_api import StreamingBedrockApi

app = cdk.App()
stack = cdk.Stack(app, "StreamingBedrockBasicPython")

chat = StreamingBedrockApi(
    stack,
    "Chat",
    model_id="us.anthropic.claude-haiku-4-5-20251001-v1:0",
    system_prompt="You are a concise assistant.",
    max_tokens=1024,
)

cdk.CfnOutput(stack, "StreamUrl", value=chat.stream_url or "")
app.synth()
