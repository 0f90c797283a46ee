import type { CreateSessionInput } from '@golive/sdk';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router';
import { type DeviceChoices, DevicePreview, loadChoices, saveChoices } from '../components/DevicePreview.tsx';
import { useAuth } from '../golive/auth.tsx';
import { describeError } from '../golive/errors.ts';

/** Where the host's picture comes from: this browser's camera, or OBS (or any encoder) over WHIP or RTMP. */
export type LiveSource = 'camera' | 'encoder';

/** Preview the camera and microphone (or choose an encoder), describe the live, and start it. */
export function GoLive() {
  const { client } = useAuth();
  const navigate = useNavigate();
  const [choices, setChoices] = useState<DeviceChoices>(loadChoices);
  const [title, setTitle] = useState('');
  const [tags, setTags] = useState('');
  const [coverUrl, setCoverUrl] = useState('');
  const [mode, setMode] = useState<CreateSessionInput['mode']>('broadcast');
  const [visibility, setVisibility] = useState<CreateSessionInput['visibility']>('public');
  const [source, setSource] = useState<LiveSource>('camera');
  const create = useMutation({
    mutationFn: (input: CreateSessionInput) => client.createSession(input),
    onSuccess: (grant) => {
      if (source === 'camera') saveChoices(choices);
      navigate(`/studio/${grant.session.id}`, { state: { source } });
    },
  });
  const busy = create.isPending || create.isSuccess;
  const error = create.error ? describeError(create.error) : null;

  const start = (event: FormEvent) => {
    event.preventDefault();
    const tagList = tags
      .split(/[,\s]+/)
      .map((t) => t.replace(/^#/, '').trim())
      .filter(Boolean)
      .slice(0, 10);
    create.mutate({
      title: title.trim(),
      mode,
      visibility,
      ...(tagList.length > 0 ? { tags: tagList } : {}),
      ...(coverUrl.trim() ? { coverUrl: coverUrl.trim() } : {}),
    });
  };

  return (
    <section className="golive" aria-labelledby="golive-title">
      <h1 id="golive-title">Go Live</h1>
      <div className="golive-layout">
        {source === 'camera' ? (
          <DevicePreview choices={choices} onChange={setChoices} />
        ) : (
          <div className="preview encoder-intro">
            <h2>Stream from OBS or an encoder</h2>
            <p>
              When you start, your studio shows a <strong>WHIP URL</strong> (OBS 30 and later), an <strong>RTMP URL</strong> (any encoder)
              and a <strong>stream key</strong>, each with a copy button, and whether golive receives your stream.
            </p>
            <p className="muted small">The key is a secret: it stops working when you change it or the live ends.</p>
          </div>
        )}
        <form className="form golive-form" onSubmit={start}>
          <fieldset className="segmented">
            <legend>Source</legend>
            <label>
              <input type="radio" name="source" checked={source === 'camera'} onChange={() => setSource('camera')} />
              <span>Camera (this browser)</span>
            </label>
            <label>
              <input type="radio" name="source" checked={source === 'encoder'} onChange={() => setSource('encoder')} />
              <span>Stream from OBS or an encoder</span>
            </label>
          </fieldset>
          <label className="field">
            <span>Title</span>
            <input
              name="title"
              value={title}
              onChange={(e) => setTitle(e.target.value)}
              maxLength={120}
              required
              placeholder="What are you streaming?"
            />
          </label>
          <label className="field">
            <span>Tags</span>
            <input name="tags" value={tags} onChange={(e) => setTags(e.target.value)} placeholder="music, chill (up to 10)" />
          </label>
          <label className="field">
            <span>Cover image URL (optional)</span>
            <input name="cover" type="url" value={coverUrl} onChange={(e) => setCoverUrl(e.target.value)} placeholder="https://…" />
          </label>
          <fieldset className="segmented">
            <legend>Mode</legend>
            <label>
              <input type="radio" name="mode" checked={mode === 'broadcast'} onChange={() => setMode('broadcast')} />
              <span>Broadcast</span>
            </label>
            <label>
              <input type="radio" name="mode" checked={mode === 'interactive'} onChange={() => setMode('interactive')} />
              <span>Meeting</span>
            </label>
          </fieldset>
          <fieldset className="segmented">
            <legend>Visibility</legend>
            <label>
              <input type="radio" name="visibility" checked={visibility === 'public'} onChange={() => setVisibility('public')} />
              <span>Public</span>
            </label>
            <label>
              <input type="radio" name="visibility" checked={visibility === 'private'} onChange={() => setVisibility('private')} />
              <span>Private</span>
            </label>
          </fieldset>
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          <button type="submit" className="btn btn-live btn-block" disabled={busy || title.trim() === ''}>
            {busy ? 'Starting…' : 'Start live'}
          </button>
        </form>
      </div>
    </section>
  );
}
