"""Retrieval: dense and keyword search over the index, fused, behind one LangChain retriever."""
