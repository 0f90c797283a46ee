import { useSessionChat, useSessionSettings } from '@golive/react';
import type { ChatMessage } from '@golive/sdk';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { describeError } from '../golive/errors.ts';

type ChatProps = {
  /** 'overlay' floats over the video (phones, Watch); 'panel' is a side panel. */
  variant?: 'panel' | 'overlay';
};

/**
 * golive's persisted chat: history on join, live messages after, in order across reconnects;
 * text is always rendered as text. Moderators (host, co-host, admin) pin and delete.
 */
export function Chat({ variant = 'panel' }: ChatProps) {
  const chat = useSessionChat();
  const { settings } = useSessionSettings();
  const { messages, pinned, canModerate } = chat;
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const listRef = useRef<HTMLOListElement>(null);
  const stickToBottom = useRef(true);
  const inputId = useId();
  const enabled = settings?.chatEnabled ?? true;
  // Before the subscription is up, or when chat is off, or for someone who may not chat. The
  // settings push and my permissions push are separate: "Chat is off" waits for both to agree.
  const ready = chat.canSend;
  const lastId = messages[messages.length - 1]?.id;

  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when the newest message changes
  useEffect(() => {
    const list = listRef.current;
    if (list && stickToBottom.current) list.scrollTop = list.scrollHeight;
  }, [lastId]);

  const send = async (event: FormEvent) => {
    event.preventDefault();
    if (!ready || text.trim() === '') return;
    setError(null);
    const draft = text;
    setText('');
    try {
      await chat.send(draft);
      stickToBottom.current = true;
    } catch (e) {
      setText(draft);
      setError(describeError(e));
    }
  };

  const act = async (what: () => Promise<unknown>, done?: string) => {
    setError(null);
    try {
      await what();
      if (done) setNotice(done);
    } catch (e) {
      setError(describeError(e));
    }
  };

  return (
    <section className={`chat chat-${variant}`} aria-label="Chat">
      {pinned && (
        <section className="chat-pinned" aria-label="Pinned message">
          <span className="pin-icon" aria-hidden="true">
            📌
          </span>
          <p>
            <strong>{pinned.user.name}</strong> {pinned.text}
          </p>
          {canModerate && (
            <button type="button" className="icon-btn" aria-label="Unpin message" onClick={() => act(chat.unpin)}>
              ✕
            </button>
          )}
        </section>
      )}
      <ol
        ref={listRef}
        className="chat-list"
        aria-live="polite"
        aria-relevant="additions"
        onScroll={(e) => {
          const el = e.currentTarget;
          stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
      >
        {messages.length === 0 && <li className="chat-empty muted">{enabled ? 'Say hi 👋' : 'Chat is off'}</li>}
        {messages.map((m) => (
          <Message
            key={m.id}
            message={m}
            canModerate={canModerate}
            onDelete={() => act(() => chat.deleteMessage(m.id))}
            onPin={() => act(() => chat.pin(m.id))}
            onReport={() => act(() => chat.report({ reason: 'Reported from chat', messageId: m.id }), 'Thanks, reported.')}
          />
        ))}
      </ol>
      {(error || notice) && (
        <p role={error ? 'alert' : 'status'} className={error ? 'error chat-error' : 'notice chat-error'}>
          {error ?? notice}
        </p>
      )}
      <form className="chat-form" onSubmit={send}>
        <label htmlFor={inputId} className="sr-only">
          Chat message
        </label>
        <input
          id={inputId}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setNotice(null);
          }}
          maxLength={500}
          placeholder={ready || enabled ? 'Send a message' : 'Chat is off'}
          disabled={!ready}
          autoComplete="off"
        />
        <button type="submit" className="btn btn-primary" disabled={!ready || text.trim() === ''}>
          Send
        </button>
      </form>
    </section>
  );
}

function Message(props: { message: ChatMessage; canModerate: boolean; onDelete: () => void; onPin: () => void; onReport: () => void }) {
  const { message, canModerate } = props;
  return (
    <li className="chat-message" data-seq={message.seq}>
      <span className={`chat-author role-${message.user.role}`}>
        {message.user.name}
        {message.user.role !== 'viewer' && <span className="role-tag">{message.user.role}</span>}
      </span>{' '}
      <span className="chat-text">{message.text}</span>
      <span className="chat-actions">
        {canModerate ? (
          <>
            <button type="button" className="icon-btn" aria-label={`Pin message from ${message.user.name}`} onClick={props.onPin}>
              📌
            </button>
            <button type="button" className="icon-btn" aria-label={`Delete message from ${message.user.name}`} onClick={props.onDelete}>
              🗑
            </button>
          </>
        ) : (
          <button type="button" className="icon-btn" aria-label={`Report message from ${message.user.name}`} onClick={props.onReport}>
            ⚑
          </button>
        )}
      </span>
    </li>
  );
}
