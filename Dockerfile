# One image for every process of the marketplace; the compose file picks the main class per service.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=build /src/local-cluster/target/lib/ /app/lib/
# Compose runs 10 replica and 5 server/payment JVMs on one host: C1 only, so that their C2 compiler
# threads do not take the host's cores for minutes (see CHILD_JAVA_OPTS in .env.example). Override
# per service with an environment entry JAVA_OPTS.
ENV JAVA_OPTS="-XX:+UseSerialGC -Xmx384m -XX:TieredStopAtLevel=1"
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -cp '/app/lib/*' \"$@\"", "--"]
