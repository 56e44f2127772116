# One image for every process of the marketplace; the compose file picks the main class per service.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=build /src/local-cluster/target/lib/ /app/lib/
ENV JAVA_OPTS="-XX:+UseSerialGC -Xmx384m"
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -cp '/app/lib/*' \"$@\"", "--"]
